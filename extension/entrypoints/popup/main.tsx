import { render } from 'preact';
import '../../src/ui/common.css';
import { Popup } from '../../src/popup/Popup.tsx';

render(<Popup />, document.getElementById('app')!);
