"""Adapters to outside services, each the only place its SDK is imported."""
