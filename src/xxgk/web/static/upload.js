// 收件: drag and drop, upload with a progress bar, then follow the round's checking progress.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var drop = document.getElementById("drop");
  var input = document.getElementById("files");
  var card = document.getElementById("progress-card");
  var bar = document.getElementById("progress");
  var text = document.getElementById("progress-text");
  var picked = [];

  function show(msg, value) {
    card.hidden = false;
    text.textContent = msg;
    if (value !== undefined) { bar.value = value; }
  }

  function follow(round) {
    fetch("/rounds/" + round + "/progress", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        if (p.error) { show(p.error); return; }
        var pct = p.total ? Math.round(100 * p.checked / p.total) : 100;
        if (p.done) {
          show("第" + p.round + "轮：" + p.total + "个文件已全部检查完毕。", 100);
          card.setAttribute("data-done", "1");
          return;
        }
        if (p.failed) { show("第" + p.round + "轮检查出错：" + p.failed); return; }
        show("第" + p.round + "轮：已检查 " + p.checked + " / " + p.total + " 个文件", pct);
        setTimeout(function () { follow(round); }, 500);
      })
      .catch(function () { setTimeout(function () { follow(round); }, 1000); });
  }

  function send(files) {
    var data = new FormData();
    data.append("csrf", form.querySelector("input[name=csrf]").value);
    for (var i = 0; i < files.length; i++) { data.append("files", files[i], files[i].name); }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/upload");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { show("上传中：" + Math.round(100 * e.loaded / e.total) + "%", Math.round(100 * e.loaded / e.total)); }
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = { error: xhr.responseText }; }
      if (xhr.status !== 200) { show(body.error || ("上传失败（" + xhr.status + "）"), 0); return; }
      card.removeAttribute("data-done");
      show("已收到 " + body.files + " 个文件，第" + body.round + "轮检查中…", 0);
      follow(body.round);
    };
    xhr.onerror = function () { show("上传中断：网络连接失败，请重新上传。", 0); };
    show("上传中：0%", 0);
    xhr.send(data);
  }

  if (card && card.getAttribute("data-round")) { follow(card.getAttribute("data-round")); }
  if (!form) { return; }
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) { picked = e.dataTransfer.files; send(picked); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!input.files.length) { show("请先选择文件，或把文件拖到框内。"); return; }
    send(input.files);
  });
})();
