/** /docs: Swagger UI (from swagger-ui-dist, loaded by the page) rendering the API's own /openapi.json. */
import type { ConsoleConfig } from './config.ts';

declare const SwaggerUIBundle: (options: Record<string, unknown>) => unknown;

const config = (await (await fetch('/config.json')).json()) as ConsoleConfig;
SwaggerUIBundle({ url: `${config.apiUrl}/openapi.json`, dom_id: '#swagger', deepLinking: true, tryItOutEnabled: false });
