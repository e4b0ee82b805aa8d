"""Regenerate the committed JSON Schema files from the pydantic models."""

from contracts.schemas import write_all

if __name__ == "__main__":
    for path in write_all():
        print(path)
