#!/usr/bin/env bash
echo "run: not wired yet" >&2; exit 1
