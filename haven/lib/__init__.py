"""Small Django-aware helpers shared by Haven's apps."""
