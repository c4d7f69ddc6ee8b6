/**
 * POST /auth/exchange: the local console's sign-in. `switchyard start` prints a link carrying a short-lived,
 * one-time code; the console trades it here for a bearer token, so no secret is ever typed into the browser.
 * In AWS the console signs in through Cognito's hosted UI instead, and the api function has no such route.
 */
import * as z from 'zod';
import { problem } from '../problems.ts';
import { route } from '../route.ts';
import { problemResponses } from '../schemas.ts';

export interface SignedIn {
  token: string;
  user: string;
  roles: string[];
  /** When the token expires (UTC ISO). */
  expiresAt: string;
}

/** Redeems a code once; null when it is unknown, used or expired. */
export type ExchangeSignInCode = (code: string) => Promise<SignedIn | null>;

const SignInExchangeSchema = z
  .strictObject({ code: z.string().min(16).max(200).meta({ description: 'The one-time code of the printed sign-in link' }) })
  .meta({ id: 'SignInExchange' });
const SignedInSchema = z
  .object({ token: z.string(), user: z.string(), roles: z.array(z.string()), expiresAt: z.string() })
  .meta({ id: 'SignedIn' });

export function signInRoutes(exchange: ExchangeSignInCode) {
  return [
    route(
      {
        method: 'post',
        path: '/auth/exchange',
        operationId: 'exchangeSignInCode',
        tags: ['operations'],
        summary: 'Trade a one-time sign-in code for a bearer token (local runtime)',
        description: 'The code comes from the sign-in link `switchyard start` prints; it works once, for a few minutes.',
        roles: 'public',
        request: { body: SignInExchangeSchema },
        responses: {
          200: { description: 'signed in', content: { 'application/json': { schema: SignedInSchema } } },
          ...problemResponses(400, 401, 413, 415, 429),
        },
      },
      async (c, { body }) => {
        const signedIn = await exchange(body.code);
        if (!signedIn) {
          const detail = 'this sign-in code is unknown, used or expired: restart switchyard for a new sign-in link';
          return problem(c, 401, detail, [{ path: 'code', message: 'is unknown, used or expired' }]);
        }
        c.header('cache-control', 'no-store');
        return c.json(signedIn, 200);
      },
    ),
  ];
}
