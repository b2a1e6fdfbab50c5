import { createContext } from 'preact';

/**
 * Where the links of a call's view open (the CRM record, the logged activity): in the CRM tab's
 * top page for our in-page cards, in a new tab for the toolbar popup, whose own window a link
 * would otherwise replace.
 */
export const LinkTarget = createContext<'_top' | '_blank'>('_top');
