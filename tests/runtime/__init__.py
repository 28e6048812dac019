"""The runtime: the shim, the artifact and metadata stores, `pipec run` and its database servers."""
