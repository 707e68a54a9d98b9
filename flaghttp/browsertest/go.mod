module github.com/flagkit/flagkit/flaghttp/browsertest

go 1.26.0

require (
	github.com/chromedp/chromedp v0.23.1
	github.com/flagkit/flagkit v0.0.0-00010101000000-000000000000
)

require (
	github.com/chromedp/cdproto v0.160.1 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/twmb/murmur3 v1.1.8 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
)

replace github.com/flagkit/flagkit => ../../
