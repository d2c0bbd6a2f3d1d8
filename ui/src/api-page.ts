// The API reference page: Swagger UI, bundled from npm, rendering the committed OpenAPI document
// (the same file the drift test checks against the routes). "Try it out" calls this agent.
import SwaggerUI from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import spec from '../../openapi/consul-api.json';
import './api-page.css';

SwaggerUI({ spec, dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false });
