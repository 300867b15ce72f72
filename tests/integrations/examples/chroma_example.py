import chromadb

from instructret.index import InstructEmbeddingFunction

client = chromadb.PersistentClient(path="./instructret-db")  # or chromadb.HttpClient(host=..., port=...)
packages = client.get_or_create_collection("packages", embedding_function=InstructEmbeddingFunction(model="minilm"),
                                           configuration={"hnsw": {"space": "cosine"}})
packages.upsert(ids=["mdcat", "quillpad", "markdown-it"], documents=[
    "mdcat: a command-line program that renders Markdown in the terminal, over SSH too.",
    "Quillpad: a graphical Markdown editor with live preview for the GNOME desktop.",
    "markdown-it: a Python library that parses Markdown and renders it to HTML."])
print(packages.query(query_texts=["markdown editor"], n_results=3)["ids"][0])
ssh = InstructEmbeddingFunction(model="minilm", instruction="I work over SSH on a headless server, so only "
                                "command-line programs are relevant.")
print(packages.query(query_embeddings=ssh.embed_query(["markdown editor"]), n_results=3)["ids"][0])
