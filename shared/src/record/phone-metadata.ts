/**
 * The one place that says which libphonenumber metadata every part reads numbers with: the
 * relay and the options page (normalising, `toE164`) and the content script (finding numbers
 * on CRM pages). "min" tells countries apart by prefixes and lengths, without "max"'s
 * per-type patterns: every detection and normalisation test passes with it, and it is ~39 KB
 * lighter in the content script, which must stay under 60 KB gzipped (issue #12). "/es6" is
 * the same library built for ES2015 engines (every browser we support, Node 20): native
 * classes and loops instead of Babel's per-file helpers, 3 KB less gzipped in the content script.
 */
export { type CountryCode, findPhoneNumbersInText, getCountries, getCountryCallingCode, isSupportedCountry, Metadata, parsePhoneNumberFromString } from 'libphonenumber-js/min/es6';
