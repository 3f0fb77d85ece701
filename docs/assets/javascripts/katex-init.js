// Typeset the math that pymdownx.arithmatex (generic mode) leaves in the page:
// inline math as \( ... \) and display math as \[ ... \], each inside an
// element of class "arithmatex". Material's document$ fires on every page
// load, including instant navigation.
//
// The vendored KaTeX (script, stylesheet and, through the stylesheet, its
// fonts: about 370 kB) is loaded only by a page that has math, the first time
// it has some; a page without math (the API reference) loads none of it.
const KATEX = new URL("../vendor/katex/", document.currentScript.src);
let katexLoaded = null;

function loadKatex() {
  if (katexLoaded) return katexLoaded;
  const load = (tag, attributes) => new Promise((resolve, reject) => {
    const element = Object.assign(document.createElement(tag), attributes);
    element.onload = resolve;
    element.onerror = () => reject(new Error(`could not load ${attributes.src || attributes.href}`));
    document.head.append(element);
  });
  // The math is typeset once the stylesheet is in, so that it is laid out as it will stay;
  // auto-render.min.js calls katex, so it comes second.
  katexLoaded = Promise.all([
    load("link", { rel: "stylesheet", href: new URL("katex.min.css", KATEX).href }),
    load("script", { src: new URL("katex.min.js", KATEX).href })
      .then(() => load("script", { src: new URL("auto-render.min.js", KATEX).href })),
  ]);
  return katexLoaded;
}

document$.subscribe(({ body }) => {
  const math = body.querySelectorAll(".arithmatex");
  if (!math.length) return;
  loadKatex().then(() => {
    for (const element of math) {
      renderMathInElement(element, {
        delimiters: [
          { left: "\\(", right: "\\)", display: false },
          { left: "\\[", right: "\\]", display: true },
        ],
        throwOnError: true,
      });
    }
  });
});
