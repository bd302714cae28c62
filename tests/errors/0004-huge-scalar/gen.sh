#!/bin/sh
# a 2 MiB scalar: over the 1 MiB limit
{ printf 'manifold: 1\nsystem:\n  name: big\n  description: "'; head -c 2097152 /dev/zero | tr '\0' 'a'; printf '"\nservices: {}\n'; } > in.yaml
