// The banner across the top: the server cannot be reached, or wants a token.
import { $, setText } from './dom.js';
import { TOKEN, setUnauthorizedHandler } from './api.js';
import { subscribe } from './store.js';

let bannerRetry = null;

export function showBanner(message, retry) {
  setText($('banner-text'), message);
  bannerRetry = retry || null;
  $('banner-retry').hidden = !retry;
  $('banner').hidden = false;
}

export function hideBanner() {
  $('banner').hidden = true;
}

export function showAuthBanner() {
  showBanner(
    TOKEN
      ? 'The server rejected the token in this page’s address. Open the page with the token inkdex was started with: /?token=…'
      : 'This inkdex server was started with --token. Open the page as /?token=YOUR_TOKEN to see it.',
    null,
  );
}

export function wireBanner() {
  setUnauthorizedHandler(showAuthBanner);
  $('banner-retry').addEventListener('click', () => bannerRetry && bannerRetry());
  subscribe(['status'], hideBanner); // a status arrived (fetched or pushed): the server answers
}
