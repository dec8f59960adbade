// Attention for new client conversations: a short chime made with WebAudio (no sound file to
// ship) and a desktop notification. Browsers allow both only after a user gesture, so the
// audio context starts on the first click or key press, and notification permission is
// requested from a button, once: the answer is remembered by the browser, and having asked is
// remembered here so the button does not come back after a "not now".

const ASKED_KEY = 'sb.notify-asked';
let audio = null;

function unlock() {
  if (audio || typeof AudioContext === 'undefined') return;
  try {
    audio = new AudioContext();
  } catch {
    audio = null;
  }
}
document.addEventListener('pointerdown', unlock, { once: true, capture: true });
document.addEventListener('keydown', unlock, { once: true, capture: true });

/** Two soft rising notes, a quarter of a second in all. */
export function chime() {
  if (!audio) return;
  if (audio.state === 'suspended') audio.resume().catch(() => {});
  const start = audio.currentTime + 0.01;
  [660, 880].forEach((frequency, index) => {
    const at = start + index * 0.12;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.type = 'sine';
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.12);
    tone.connect(gain).connect(audio.destination);
    tone.start(at);
    tone.stop(at + 0.13);
  });
}

function asked() {
  try {
    return localStorage.getItem(ASKED_KEY) === '1';
  } catch {
    return false;
  }
}

/** Whether to offer the "turn on notifications" button. */
export function canAskPermission() {
  return typeof Notification !== 'undefined' && Notification.permission === 'default' && !asked();
}

/** Asks for notification permission; call it from a click. */
export async function askPermission() {
  try {
    localStorage.setItem(ASKED_KEY, '1');
  } catch {
    // Not remembered: the button may be offered again next time.
  }
  if (typeof Notification === 'undefined') return 'denied';
  return Notification.requestPermission();
}

/** A desktop notification when the tab is not in front; clicking it focuses the tab. */
export function desktopNotify(title, body, onClick) {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  try {
    const note = new Notification(title, { body, tag: `sb-${title}` });
    note.onclick = () => {
      window.focus();
      onClick?.();
      note.close();
    };
  } catch {
    // Some platforms allow notifications only from a service worker; the chime remains.
  }
}
