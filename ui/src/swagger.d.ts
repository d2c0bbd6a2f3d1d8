// swagger-ui-dist ships no types; this is the one call the API page makes.
declare module 'swagger-ui-dist/swagger-ui-es-bundle.js' {
  interface SwaggerOptions {
    readonly url: string;
    readonly dom_id: string;
    readonly deepLinking?: boolean;
    readonly tryItOutEnabled?: boolean;
  }
  const SwaggerUI: (options: SwaggerOptions) => unknown;
  export default SwaggerUI;
}
