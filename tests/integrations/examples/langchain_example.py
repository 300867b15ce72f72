from instructret.index import InstructIndex
from instructret.integrations.langchain import InstructRetriever

index = InstructIndex(path="./instructret-db", collection="packages")  # or url="http://127.0.0.1:8000"
index.add(["mdcat", "quillpad", "markdown-it"], [
    "mdcat: a command-line program that renders Markdown in the terminal, over SSH too.",
    "Quillpad: a graphical Markdown editor with live preview for the GNOME desktop.",
    "markdown-it: a Python library that parses Markdown and renders it to HTML."])
retriever = InstructRetriever(index=index, k=3)
ssh = "I work over SSH on a headless server, so only command-line programs are relevant."
print([doc.id for doc in retriever.invoke("markdown editor")])
print([doc.id for doc in retriever.invoke("markdown editor", instruction=ssh)])
