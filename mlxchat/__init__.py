"""mlxchat: run local MLX language-model servers by profile and chat with them."""

__version__ = "0.1.0"
