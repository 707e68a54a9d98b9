package source

// Temporary until file.go and http.go land.
type fileConfig struct{ poll pollConfig }
type httpConfig struct{ poll pollConfig }
