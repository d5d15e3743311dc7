// js_on_load of the conversation (#chatbot). Runs once: listeners sit on the document, so they survive
// every re-render of the conversation and the panel. `element` and `watch` are given by gr.HTML.
const COPY = __COPY__;
const COPIED = __COPIED__;
document.documentElement.lang = "fr";

// A polite live region that outlives the re-renders: new answers and notices are read out once.
let live = document.getElementById("chat-announce");
if (!live) {
  live = document.createElement("div");
  live.id = "chat-announce";
  live.className = "sr-only";
  live.setAttribute("aria-live", "polite");
  live.setAttribute("role", "status");
  document.body.appendChild(live);
}

function box() { return document.querySelector("#question textarea"); }

// Show the sources of answer `turn`, open block [n], highlight its quote and bring it into view.
function openSource(turn, n) {
  const panel = document.querySelector("#sources");
  if (!panel) return;
  const section = panel.querySelector(`.turn-sources[data-turn="${turn}"]`);
  const block = section && section.querySelector(`details[data-n="${n}"]`);
  if (!block) return;
  panel.querySelectorAll(".turn-sources").forEach((s) => { s.hidden = s !== section; });
  panel.querySelectorAll("mark.current").forEach((m) => m.classList.remove("current"));
  block.open = true;
  const marks = block.querySelectorAll("mark");
  marks.forEach((m) => m.classList.add("current"));
  const summary = block.querySelector("summary");
  summary.focus({ preventScroll: true });
  (marks[0] || summary).scrollIntoView({ block: "center" });
}

function copyFallback(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  return ok;
}

function copyText(text, button) {
  const done = () => {
    button.textContent = COPIED;
    live.textContent = COPIED;
    setTimeout(() => { button.textContent = COPY; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => { if (copyFallback(text)) done(); });
  } else if (copyFallback(text)) {
    done();
  }
}

// The whole conversation as Markdown, each turn as copied, under the page's title.
window.dossierConversation = function () {
  const turns = [...document.querySelectorAll("#chatbot .turn")];
  return `# ${document.title}\n\n` + turns.map((t) => t.dataset.markdown).join("\n---\n\n");
};

window.dossierDownload = function () {
  if (!document.querySelector("#chatbot .turn")) return;
  const url = URL.createObjectURL(new Blob([window.dossierConversation()], { type: "text/markdown;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = "conversation.md";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
};

if (!window.dossierListening) {
  window.dossierListening = true;
  document.addEventListener("click", (event) => {
    const cite = event.target.closest("#chatbot .cite, #chatbot .cite-link");
    if (cite) { openSource(cite.dataset.turn, cite.dataset.n); return; }
    const copy = event.target.closest("#chatbot .copy-md");
    if (copy) copyText(copy.closest(".turn").dataset.markdown, copy);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && event.target.closest && event.target.closest("#chatbot .cite")) event.target.blur();
  });
}

// After each answer: its question at the top of the conversation, its first quote in view (a phone
// scrolls the page, not the box), the answer announced, and the focus back in the question box.
watch("value", () => {
  const chat = element.querySelector(".chat");
  const notice = element.querySelector(".chat-notice");
  const turns = element.querySelectorAll(".turn");
  const last = turns[turns.length - 1];
  if (notice) {
    live.textContent = notice.textContent;
  } else if (last && chat) {
    chat.scrollTop += last.getBoundingClientRect().top - chat.getBoundingClientRect().top - 4;
    const first = last.querySelector(".quote, .verdict") || last;
    const r = first.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) last.scrollIntoView({ block: "start" });
    live.textContent = last.querySelector(".message.bot").innerText;
  } else {
    live.textContent = "";
  }
  const input = box();
  if (input) input.focus({ preventScroll: true });
});
