// Code blocks that show a session or an output, marked as such.
//
// A ```python block that starts with ">>>" is a doctest. The Python lexer
// colours its prompts as operators and its outputs as code; here each line is
// re-marked as Pygments' console lexer would: the prompt (">>> ", "... ") as
// class "gp", an output line as class "go". The block's copy button then
// copies the code alone, without prompts or outputs (Material copies the
// "data-copy" attribute of the code when it has one), ready to paste into a
// file or into python.
//
// A block whose every token is an output ("go": an ```output fence) gets the
// class "labbook-output", styled in extra.css as an output, not as code.
//
// Material's document$ fires on every page load, instant navigation included.

const PROMPT = /^>>>( |$)/;
const CONTINUATION = /^\.\.\.( |$)/;

// The children of a highlighted block, one array of nodes per line. Pygments'
// spans hold text only; a block with anything nested is left alone (null).
function splitLines(code) {
  const lines = [[]];
  for (const node of code.childNodes) {
    if (node.nodeType === Node.ELEMENT_NODE && node.children.length) return null;
    node.textContent.split("\n").forEach((part, index) => {
      if (index > 0) lines.push([]);
      if (part === "") return;
      const piece = node.cloneNode(false);
      piece.textContent = part;
      lines[lines.length - 1].push(piece);
    });
  }
  return lines;
}

// The nodes of a line without its first `count` characters.
function dropChars(nodes, count) {
  const kept = [];
  for (const node of nodes) {
    const text = node.textContent;
    if (count >= text.length) {
      count -= text.length;
      continue;
    }
    const piece = node.cloneNode(false);
    piece.textContent = text.slice(count);
    count = 0;
    kept.push(piece);
  }
  return kept;
}

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

// Re-mark the lines of a doctest block; return the code without prompts and outputs.
function markDoctest(code) {
  const lines = splitLines(code);
  if (lines === null) return null;
  const source = [];
  const rebuilt = [];
  let inExample = false;
  lines.forEach((nodes, index) => {
    const text = nodes.map((node) => node.textContent).join("");
    if (index > 0) rebuilt.push(document.createTextNode("\n"));
    if (PROMPT.test(text) || (inExample && CONTINUATION.test(text))) {
      inExample = true;
      const prompt = text.slice(0, 4);
      source.push(text.slice(prompt.length));
      rebuilt.push(span("gp", prompt), ...dropChars(nodes, prompt.length));
    } else {
      inExample = false;
      if (text !== "") rebuilt.push(span("go", text));
    }
  });
  code.replaceChildren(...rebuilt);
  return source.join("\n").trimEnd();
}

document$.subscribe(({ body }) => {
  for (const code of body.querySelectorAll(".highlight pre > code")) {
    if (code.dataset.labbook) continue; // marked already
    code.dataset.labbook = "seen";
    const block = code.closest(".highlight");
    if (PROMPT.test(code.textContent)) {
      const source = markDoctest(code);
      if (source !== null) {
        code.setAttribute("data-copy", source);
        block.classList.add("labbook-doctest");
      }
    } else if (code.children.length && [...code.children].every((token) => token.classList.contains("go"))) {
      block.classList.add("labbook-output");
    }
  }
});
