package bot

// zhCN is the Chinese catalogue: every English format string the bot
// words through words.f, and its translation.
var zhCN = map[string]string{}
