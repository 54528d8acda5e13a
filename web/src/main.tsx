/**
 * Entry point: applies the stored theme before the first paint and mounts the app. Rule: no
 * inline script exists in index.html (CSP script-src 'self'); this module is the only script.
 */
import { render } from 'preact';
import { App } from './app';
import { applyTheme, storedTheme } from './lib/theme';
import './styles/base.css';
import './styles/layout.css';
import './styles/views.css';

applyTheme(storedTheme());
const root = document.getElementById('app');
if (root) render(<App />, root);
