"""Pretty terminal rendering with Rich: live Markdown answers, thinking that collapses when done."""
