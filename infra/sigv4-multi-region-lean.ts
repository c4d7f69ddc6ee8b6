/**
 * `@aws-sdk/signature-v4-multi-region` for the Lambda bundles: the EventBridge client's signer, without
 * SigV4a. The client signs with SigV4a only for a global endpoint (an `EndpointId` on PutEvents),
 * which Switchyard never uses (infra/bundling.ts aliases the module here); regional requests are
 * signed by the plain SigV4 signer, which the bundle carries anyway. A SigV4a request fails loudly.
 *
 * Checked against @aws-sdk/signature-v4-multi-region 3.996.52 and @aws-sdk/client-eventbridge
 * 3.1169.0 (package-lock.json). test/infra/bundles.test.ts builds the api bundle without this alias
 * to show that it is still needed (over budget), and runs the bundles' PutEvents through it.
 */
import { SignatureV4 } from '@smithy/signature-v4';

type Options = ConstructorParameters<typeof SignatureV4>[0];
type Request = Parameters<SignatureV4['presign']>[0];
type Signing = { signingRegion?: string };

const global = (o: Signing) => {
  if (o.signingRegion === '*') throw new Error('SigV4a (global endpoints) is not included in the Lambda bundles');
};

export class SignatureV4MultiRegion {
  readonly #signer: SignatureV4;
  constructor(options: Options) {
    this.#signer = new SignatureV4(options);
  }
  sign(request: Request, options: Signing = {}) {
    global(options);
    return this.#signer.sign(request, options);
  }
  presign(request: Request, options: Signing = {}) {
    global(options);
    return this.#signer.presign(request, options);
  }
}

export const signatureV4CrtContainer = { CrtSignerV4: null };
