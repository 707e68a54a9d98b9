// Package browsertest tests flaghttp's debug page in a real browser,
// headless Chromium driven through the DevTools protocol (chromedp). It is
// a module of its own so that services importing flaghttp never download
// chromedp; it holds only tests.
//
// The tests look for Chromium at $CHROMIUM, then for
// chromium-headless-shell, chromium, chromium-browser or google-chrome on
// the PATH, and skip, saying so, only when none is installed (.ci/run
// installs Debian's chromium-headless-shell, the light one, where none is). With $BROWSERTEST_SCREENSHOTS set to a directory, they save
// a screenshot of each page there.
package browsertest
