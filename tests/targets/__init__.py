"""The argo, tekton, github and sagemaker targets against their engines' schemas and models."""
