package main

import (
	_ "github.com/joho/godotenv"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/slack-go/slack/socketmode"
	_ "github.com/stretchr/testify/require"
	_ "go.uber.org/goleak"
	_ "golang.org/x/time/rate"
	_ "github.com/gorilla/websocket"
)

func main() {}
