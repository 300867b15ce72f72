from llama_index.core import Document, VectorStoreIndex

from instructret.integrations.llama_index import InstructEmbedding, InstructRetriever

texts = {"mdcat": "mdcat: a command-line program that renders Markdown in the terminal, over SSH too.",
         "quillpad": "Quillpad: a graphical Markdown editor with live preview for the GNOME desktop.",
         "markdown-it": "markdown-it: a Python library that parses Markdown and renders it to HTML."}
index = VectorStoreIndex.from_documents([Document(id_=i, text=t) for i, t in texts.items()],
                                        embed_model=InstructEmbedding(model_name="minilm"))
retriever = InstructRetriever(index, similarity_top_k=3)
ssh = "I work over SSH on a headless server, so only command-line programs are relevant."
print([n.node.ref_doc_id for n in retriever.retrieve("markdown editor")])
print([n.node.ref_doc_id for n in retriever.retrieve("markdown editor", instruction=ssh)])
