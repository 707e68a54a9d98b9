module example.com/svc

go 1.26.0

require (
	github.com/flagkit/flagkit v0.0.0-00010101000000-000000000000
	github.com/flagkit/flagkit/openfeature v0.0.0-00010101000000-000000000000
	github.com/open-feature/go-sdk v1.20.0
)

require (
	github.com/twmb/murmur3 v1.1.8 // indirect
	go.uber.org/mock v0.6.0 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
)

replace (
	github.com/flagkit/flagkit => ../../
	github.com/flagkit/flagkit/openfeature => ../../openfeature
)
