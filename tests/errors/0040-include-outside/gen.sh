#!/bin/sh
# a link out of the folder, a FIFO nobody writes to, a folder named like a file
ln -s /etc/hostname link.yaml
mkfifo fifo.yaml
mkdir folder
