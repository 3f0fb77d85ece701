// Typeset the math that pymdownx.arithmatex (generic mode) leaves in the page:
// inline math as \( ... \) and display math as \[ ... \], each inside an
// element of class "arithmatex". Material's document$ fires on every page
// load, including instant navigation.
document$.subscribe(({ body }) => {
  for (const element of body.querySelectorAll(".arithmatex")) {
    renderMathInElement(element, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: true,
    });
  }
});
