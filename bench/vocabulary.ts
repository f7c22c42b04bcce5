/** Built-in word lists for the journal generator (no downloads). */

const plain = `the a and of to in is it that was for on with as at by this from but not
or have had be are were been one all we you they he she my our your their there what
when where which who how just more some very about into over after before then than
also only still even back again today yesterday tomorrow morning evening night afternoon
week month year day time walk run coffee tea breakfast lunch dinner meeting call email
project plan idea note book read write wrote reading writing garden kitchen office home
train bus bike car city park river lake mountain forest beach rain snow sun wind cloud
cold warm quiet loud slow fast early late long short small big new old good bad better
tired happy calm busy focused restless grateful curious worried hopeful annoyed proud
friend family mother father sister brother neighbour colleague team manager client doctor
dog cat bird tree flower grass window door table chair bed desk lamp phone laptop screen
music song album podcast film movie show episode game chess guitar piano paint sketch
photo camera letter list draft review release bug fix test build deploy server database
index search query schema migration branch commit merge design sprint standup retro
budget invoice tax rent groceries market bakery bread cheese apple soup pasta rice salad
cook cooked baked cleaned fixed finished started planned moved bought sold visited called
met talked thought felt noticed learned remembered forgot decided tried wanted needed
went came saw made took gave found kept left put set ran sat slept woke worked played
really maybe probably finally mostly almost enough quite rather perhaps together alone
because although while until since during between through around across under above
first second third last next every each other another same different whole half few many
little much most less least own such again ever never always often sometimes usually
idea question answer problem solution reason result change chance choice habit routine
energy sleep dream memory story chapter page word sentence paragraph margin notebook
stretch yoga swim hike climb stairs station platform ticket journey trip holiday weekend
monday tuesday wednesday thursday friday saturday sunday january february march april
season spring summer autumn winter light dark shadow colour blue green red yellow grey`;

const accented = `café naïve résumé déjà vu über Straße niño façade jalapeño smörgåsbord
crème brûlée piñata fiancée coöperate Zürich København São Paulo Kraków Ångström
élan soirée tête-à-tête rôle entrée protégé señor mañana jäger fjörd Øresund début
garçon où été forêt hôtel île bœuf Ærø naïveté`;

const cjk = `日記 東京 会議 散歩 天気 読書 咖啡 学习 朋友 今日 明日 仕事 週末 旅行
雨 雪 桜 猫 犬 家族 料理 音楽 映画 京都 大阪 北京 上海 서울 일기 커피 친구 오늘`;

/** Plain words, mostly English with some accented and CJK words mixed in by the caller. */
export const WORDS: readonly string[] = plain.split(/\s+/).filter(Boolean);
export const ACCENTED_WORDS: readonly string[] = accented.split(/\s+/).filter(Boolean);
export const CJK_WORDS: readonly string[] = cjk.split(/\s+/).filter(Boolean);
export const EMOJI: readonly string[] = [
  '☕', '🌧️', '📷', '🎉', '🏃', '✨', '🌱', '📚', '🚲', '🍜', '😊', '😴', '🙃', '❤️', '🔥', '🌊',
  '🎧', '🧘', '👍', '🇫🇷', '👩‍💻',
];

/** Inline and frontmatter tags; nested ones use `/`. */
export const TAGS: readonly string[] = [
  'daily', 'work', 'personal', 'health', 'reading', 'writing', 'ideas', 'family', 'travel',
  'music', 'cooking', 'garden', 'fitness', 'sleep', 'finance', 'meeting', 'project', 'review',
  'gratitude', 'todo', 'learning', 'code', 'journal', 'weekend', 'mood', 'books', 'film',
  'work/meeting', 'work/1on1', 'work/standup', 'project/inkdex', 'project/house',
  'health/run', 'health/sleep', 'travel/japan', 'travel/france', 'books/fiction',
  'books/non-fiction', 'daily/2024', 'ideas/someday', 'areas/home/kitchen', 'areas/home/garden',
  'début', 'café', 'réflexion', '日記', '旅行', '📷', '🏃', 'Reading', 'WORK', 'Q3-planning',
];

export const MOODS: readonly string[] = [
  'good', 'great', 'ok', 'tired', 'calm', 'anxious', 'happy', 'grumpy', 'focused', '😊', '😴',
  'meh', 'content', 'restless', 'énergique',
];

export const WEATHER: readonly string[] = ['sunny', 'rain', 'cloudy', 'snow', 'windy', 'fog', '☀️', '🌧️'];

/** Topic folders for non-daily notes (some with accents and CJK). */
export const TOPICS: readonly string[] = [
  'projects', 'people', 'books', 'recipes', 'travel', 'ideas', 'meetings', 'health', 'finance',
  'music', 'films', 'learning', 'code', 'house', 'garden', 'work', 'writing', 'places',
  'références', 'café-notes', '日本語', 'areas', 'archive', 'someday', 'reviews', 'courses',
  'podcasts', 'gear', 'habits', 'questions',
];

export const PEOPLE: readonly string[] = [
  'Alice Martin', 'Bob Nguyen', 'Chloé Dubois', 'Dmitri Ivanov', 'Eva Müller', 'Farah Khan',
  'Gonzalo Pérez', 'Hana Sato', 'Ines Silva', 'Jonas Berg', 'Kenji Tanaka', 'Léa Roux',
  'Mateo García', 'Nora Lindqvist', 'Oskar Nowak', 'Priya Patel', '王芳', '김민지',
];

export const SUFFIXES: readonly string[] = ['evening', 'morning', 'notes', 'meeting', 'late', '2'];

export const CODE_LANGS: readonly string[] = ['js', 'ts', 'python', 'bash', 'sql', 'json', ''];

export const CODE_LINES: readonly string[] = [
  'const x = items.map((i) => i * 2);',
  '# not a tag: #comment inside code',
  'SELECT count(*) FROM entries WHERE title LIKE \'%#draft%\';',
  'for f in *.md; do echo "$f"; done',
  'def main():\n    print("#hello")',
  '{"tags": ["#json", "a/b"], "n": 1}',
  'git commit -m "fix #123"',
  'let total = 0; // #todo refactor',
];
