#!/bin/sh
# 17 MiB of comments: over the 16 MiB file limit
{ printf 'manifold: 1\n'; head -c 17825792 /dev/zero | tr '\0' '#'; } > in.yaml
