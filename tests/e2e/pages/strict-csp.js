// Records what the page's Content-Security-Policy blocked (strict-csp.html).
window.pcBlocked = [];
document.addEventListener('securitypolicyviolation', (event) => window.pcBlocked.push(`${event.violatedDirective} ${event.blockedURI}`));
