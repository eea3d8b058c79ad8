/** The example merchant's page: its accounts, and the buttons that link and relink them with openfc.js. */

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function examplePage(options: { apiBase: string; publishableKey: string }): string {
  const apiBase = options.apiBase.replace(/\/$/, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Pay — bank accounts</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 40rem; padding: 1rem; color: #1a1f36; }
button { font: inherit; margin: 0.25rem 0.5rem 0.25rem 0; padding: 0.5rem 0.9rem; border-radius: 6px; border: 1px solid #635bff; background: #635bff; color: #fff; cursor: pointer; }
button:focus-visible { outline: 3px solid #1a1f36; outline-offset: 2px; }
ul { padding: 0; list-style: none; }
li { border: 1px solid #e3e8ee; border-radius: 8px; padding: 0.5rem 1rem; margin: 0.5rem 0; }
.prompt { color: #a41c4e; }
</style>
</head>
<body>
<main>
<h1>Acme Pay</h1>
<p>Link your bank account to pay by ACH direct debit.</p>
<button type="button" id="link">Link a bank account</button>
<p id="result" role="status" aria-live="polite"></p>
<h2>Your bank accounts</h2>
<ul id="accounts"></ul>
</main>
<div id="config" hidden data-publishable-key="${attribute(options.publishableKey)}"></div>
<script src="${attribute(apiBase)}/js/v1/openfc.js"></script>
<script src="/app.js"></script>
</body>
</html>
`;
}
