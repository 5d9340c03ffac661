"""The assistant: a pydantic-ai agent over the CRM tools, an offline interpreter, memory."""
