#!/bin/sh
# a file name holding ESC: the header of each diagnostic shows it escaped
cp in.yaml "$(printf 'in\033[2J.yaml')"
