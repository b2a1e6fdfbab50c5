import { render } from 'preact';
import '../../src/ui/common.css';
import { App } from '../../src/options/App.tsx';

render(<App />, document.getElementById('app')!);
