import { render } from 'preact';
import { FlowApi } from './api.ts';
import { App } from './app.tsx';
import { modalHost, setupHost, waitForInit } from './host.ts';
import { Hosted } from './hosted.tsx';
import { Screen } from './screen.tsx';
import { SetupApp } from './setup.tsx';
import './styles.css';

const root = document.getElementById('app') as HTMLElement;
const hosted = /^\/hosted\/fc\/([^/]+)\/?$/.exec(window.location.pathname);

if (hosted?.[1]) {
  document.documentElement.classList.add('hosted');
  render(<Hosted token={decodeURIComponent(hosted[1])} />, root);
} else if (window.parent === window) {
  render(
    <main class="frame screen">
      <Screen title="Connect your bank">
        <p>This page opens from a merchant's website. Return to the merchant to connect your accounts.</p>
      </Screen>
    </main>,
    root,
  );
} else {
  waitForInit().then(({ publishableKey, clientSecret, origin, confirmSetup }) => {
    const api = new FlowApi(publishableKey, clientSecret);
    render(
      confirmSetup ? (
        <SetupApp api={api} host={setupHost(origin)} paymentMethod={confirmSetup.paymentMethod} />
      ) : (
        <App api={api} host={modalHost(origin)} />
      ),
      root,
    );
  });
}
