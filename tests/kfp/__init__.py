"""The kubeflow and vertex targets against kfp and google-cloud-aiplatform (side environment .venvs/kfp)."""
