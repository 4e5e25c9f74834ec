// GraphiQL served from this process (no CDN): a landing page for /graphql plus its three assets,
// read once from node_modules. GraphiQL 4 is the last release with a browser (UMD) bundle.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import { WALKTHROUGH_TABS } from './walkthrough';

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

/** JSON for an inline <script>: no "</script>" or "<!--" can close or comment it. */
const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const AUTH_NOTE = `This API needs a token: under <b>Headers</b> (below the editor) replace &lt;token&gt; in
  <code>{"Authorization": "Bearer &lt;token&gt;"}</code>, then re-fetch the schema (the ⟳ button on the left, or
  Shift+Ctrl+R). Headers are not saved in this browser.`;

function html(authRequired: boolean): string {
  const props = {
    defaultTabs: WALKTHROUGH_TABS.map((tab) => ({ ...tab })),
    // A token typed into Headers stays in this page only, never in the browser's storage.
    shouldPersistHeaders: false,
    ...(authRequired
      ? {
          defaultHeaders: '{\n  "Authorization": "Bearer <token>"\n}',
          defaultEditorToolsVisibility: 'headers',
        }
      : {}),
  };
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Outbound provisioning · GraphiQL</title>
  <link rel="stylesheet" href="${ASSET_PREFIX}graphiql.css">
  <style>
    body { margin: 0; height: 100vh; display: flex; flex-direction: column; }
    #graphiql { flex: 1; min-height: 0; }
    #auth-note { padding: 8px 16px; font: 14px system-ui, sans-serif; background: #fff4ce; border-bottom: 1px solid #e0c36a; }
  </style>
</head>
<body>
  ${authRequired ? `<div id="auth-note" role="note">${AUTH_NOTE}</div>` : ''}
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="${ASSET_PREFIX}react.js"></script>
  <script src="${ASSET_PREFIX}react-dom.js"></script>
  <script src="${ASSET_PREFIX}graphiql.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: location.origin + location.pathname });
    const props = ${inlineJson(props)};
    ReactDOM.createRoot(document.getElementById('graphiql'))
      .render(React.createElement(GraphiQL, { fetcher, ...props }));
  </script>
</body>
</html>`;
}

/**
 * Replaces Apollo's CDN-hosted landing page with the local GraphiQL page, which opens on the
 * walk-through's tabs and, when the API needs a token, says where to put it.
 */
export function graphiqlLandingPage(options: { authRequired: boolean }): ApolloServerPlugin {
  const page = html(options.authRequired);
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html: page };
        },
      };
    },
  };
}
