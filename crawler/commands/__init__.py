"""Bersih's scrapy commands (COMMANDS_MODULE): extract."""
