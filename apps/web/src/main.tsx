import { render } from 'preact';
import { restoreSession } from './api/auth';
import { App } from './app';
import './styles.css';

render(<App />, document.getElementById('app')!);
void restoreSession();
