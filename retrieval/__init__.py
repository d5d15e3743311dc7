"""Question answering over a document dossier: answers quote it word for word, with citations.

from retrieval import Assistant
answer = Assistant.open().ask("Combien reçoivent les IA clusters ?")
print(answer.text, [c.passage.page for c in answer.citations])
"""

__version__ = "0.1.0"
__all__ = ["Assistant", "Settings", "__version__"]


def __getattr__(name: str):
    # Importing the package stays cheap; the model stack loads on first use.
    if name == "Assistant":
        from .pipeline import Assistant

        return Assistant
    if name == "Settings":
        from .config import Settings

        return Settings
    raise AttributeError(name)
