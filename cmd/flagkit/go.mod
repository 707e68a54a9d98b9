module github.com/flagkit/flagkit/cmd/flagkit

go 1.26.0

require (
	github.com/flagkit/flagkit v0.0.0-00010101000000-000000000000
	github.com/flagkit/flagkit/flagcheck v0.0.0-00010101000000-000000000000
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/tools v0.52.0
)

require (
	github.com/twmb/murmur3 v1.1.8 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
)

replace (
	github.com/flagkit/flagkit => ../../
	github.com/flagkit/flagkit/flagcheck => ../../flagcheck
)
