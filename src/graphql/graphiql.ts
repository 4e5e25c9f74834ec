// GraphiQL served from this process (no CDN): a landing page for /graphql plus its three assets,
// read once from node_modules. GraphiQL 4 is the last release with a browser (UMD) bundle.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';

export const ASSET_PREFIX = '/graphql/assets/';

function packageRoot(name: string): string {
  // graphiql's "exports" map hides its files from require.resolve, so walk up from its main entry.
  let dir = path.dirname(require.resolve(name));
  while (path.basename(dir) !== name) dir = path.dirname(dir);
  return dir;
}

export interface Asset {
  body: Buffer;
  contentType: string;
}

export function loadGraphiqlAssets(): Map<string, Asset> {
  const js = 'text/javascript; charset=utf-8';
  const files: [string, string, string, string][] = [
    ['react.js', 'react', 'umd/react.production.min.js', js],
    ['react-dom.js', 'react-dom', 'umd/react-dom.production.min.js', js],
    ['graphiql.js', 'graphiql', 'graphiql.min.js', js],
    ['graphiql.css', 'graphiql', 'graphiql.min.css', 'text/css; charset=utf-8'],
  ];
  return new Map(
    files.map(([name, pkg, file, contentType]) => [
      name,
      { body: readFileSync(path.join(packageRoot(pkg), file)), contentType },
    ]),
  );
}

const HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Outbound provisioning · GraphiQL</title>
  <link rel="stylesheet" href="${ASSET_PREFIX}graphiql.css">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="${ASSET_PREFIX}react.js"></script>
  <script src="${ASSET_PREFIX}react-dom.js"></script>
  <script src="${ASSET_PREFIX}graphiql.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: location.origin + location.pathname });
    const defaultQuery = '# Send Authorization: Bearer <token> in Headers when the API requires it.\\n{\\n  identityProviders { id name tenantDomain enabled connectors { type enabled } }\\n}\\n';
    ReactDOM.createRoot(document.getElementById('graphiql'))
      .render(React.createElement(GraphiQL, { fetcher, defaultQuery }));
  </script>
</body>
</html>`;

/** Replaces Apollo's CDN-hosted landing page with the local GraphiQL page. */
export const graphiqlLandingPage: ApolloServerPlugin = {
  async serverWillStart() {
    return {
      async renderLandingPage() {
        return { html: HTML };
      },
    };
  },
};
