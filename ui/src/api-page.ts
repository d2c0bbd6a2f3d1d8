// The API reference page: Swagger UI, bundled from npm, rendering the committed OpenAPI document
// (the same file the drift test checks against the routes). "Try it out" calls this agent.
import SwaggerUI from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
// Emitted as its own hashed asset (cached apart from the code) and fetched by Swagger UI.
import specUrl from '../../openapi/consul-api.json?url';
import './api-page.css';

SwaggerUI({ url: specUrl, dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false });
