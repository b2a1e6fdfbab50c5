// Records what the page's Trusted Types refused and reported (trusted-types.html), whoever's script it was.
window.pcBlocked = [];
document.addEventListener('securitypolicyviolation', (event) => window.pcBlocked.push(`${event.violatedDirective} ${event.sample}`));
