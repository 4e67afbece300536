// The image's HEALTHCHECK: GET /health on the HTTP listener inside the
// container. Plain Node, no TypeScript loader, so that a check every 30 s
// costs next to nothing. Healthy only with a 200, i.e. the database answers.
const port = process.env.CONEXIZAN_HTTP_PORT || '5280';
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4000) });
  process.stdout.write(await response.text());
  process.exit(response.status === 200 ? 0 : 1);
} catch (error) {
  process.stdout.write(`unhealthy: ${error.cause?.code ?? error.message}\n`);
  process.exit(1);
}
