// Entry point: styles, the shell, the pages, the offline queue and the service worker.
import './app.css';
import { start } from './shell.js';
import './pages/diagnose.js';
import './pages/history.js';
import './leaves.js'; // issue 17 item 3: several leaves, one answer (#/leaves)
import { flush } from './queue.js';

start(document.getElementById('app'));
flush();

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('service worker not registered', e));
}
