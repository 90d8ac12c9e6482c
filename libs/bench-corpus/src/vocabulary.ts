/**
 * The built-in word lists of the synthetic corpus. Each list is ordered most frequent first and
 * drawn with Zipf-like frequencies (see `ZipfPicker`), so a few words are everywhere and most are
 * rare, as in real conversation. The lists are hand-written (no corpus text is copied).
 */

/** Given names, most common first; a tenant's cast and the people its members mention. */
export const PERSON_NAMES: readonly string[] = [
  'James', 'Mary', 'John', 'Linda', 'Robert', 'Sarah', 'Michael', 'Emma', 'David', 'Olivia', 'William', 'Sophia', 'Richard', 'Ava',
  'Joseph', 'Isabella', 'Thomas', 'Mia', 'Daniel', 'Charlotte', 'Matthew', 'Amelia', 'Anthony', 'Harper', 'Mark', 'Evelyn', 'Paul',
  'Abigail', 'Steven', 'Emily', 'Andrew', 'Elizabeth', 'Joshua', 'Sofia', 'Kevin', 'Ella', 'Brian', 'Madison', 'George', 'Scarlett',
  'Edward', 'Victoria', 'Ronald', 'Aria', 'Timothy', 'Grace', 'Jason', 'Chloe', 'Jeffrey', 'Camila', 'Ryan', 'Penelope', 'Jacob', 'Riley',
  'Gary', 'Layla', 'Nicholas', 'Lillian', 'Eric', 'Nora', 'Jonathan', 'Zoey', 'Stephen', 'Mila', 'Larry', 'Aubrey', 'Justin', 'Hannah',
  'Scott', 'Lily', 'Brandon', 'Addison', 'Benjamin', 'Eleanor', 'Samuel', 'Natalie', 'Gregory', 'Luna', 'Alexander', 'Savannah',
  'Patrick', 'Brooklyn', 'Frank', 'Leah', 'Raymond', 'Zoe', 'Jack', 'Stella', 'Dennis', 'Hazel', 'Jerry', 'Ellie', 'Tyler', 'Paisley',
  'Aaron', 'Audrey', 'Jose', 'Skylar', 'Adam', 'Violet', 'Nathan', 'Claire', 'Henry', 'Bella', 'Zachary', 'Aurora', 'Douglas', 'Lucy',
  'Peter', 'Anna', 'Kyle', 'Samantha', 'Noah', 'Caroline', 'Ethan', 'Genesis', 'Jeremy', 'Aaliyah', 'Walter', 'Kennedy', 'Christian',
  'Kinsley', 'Keith', 'Allison', 'Roger', 'Maya', 'Terry', 'Sarai', 'Austin', 'Madelyn', 'Sean', 'Adeline', 'Gerald', 'Alexa', 'Carl',
  'Ariana', 'Harold', 'Elena', 'Dylan', 'Gabriella', 'Arthur', 'Naomi', 'Lawrence', 'Alice', 'Jordan', 'Sadie', 'Jesse', 'Hailey',
  'Bryan', 'Eva', 'Billy', 'Emilia', 'Bruce', 'Autumn', 'Gabriel', 'Quinn', 'Joe', 'Nevaeh', 'Logan', 'Piper', 'Albert', 'Ruby',
  'Willie', 'Serenity', 'Alan', 'Willow', 'Juan', 'Everly', 'Wayne', 'Cora', 'Elijah', 'Kaylee', 'Randy', 'Lydia', 'Roy', 'Aubree',
  'Vincent', 'Arianna', 'Ralph', 'Eliana', 'Eugene', 'Peyton', 'Russell', 'Melanie', 'Bobby', 'Gianna', 'Mason', 'Isabelle', 'Philip',
  'Julia', 'Louis', 'Valentina', 'Melissa', 'Nadia', 'Tariq', 'Priya', 'Hiroshi', 'Yuki', 'Mateo', 'Lucia', 'Omar', 'Fatima', 'Kofi',
  'Amara', 'Sven', 'Ingrid', 'Dmitri', 'Katya', 'Rafael', 'Ines', 'Arjun', 'Deepa', 'Chen', 'Mei', 'Kwame', 'Zainab', 'Luca', 'Giulia',
];

/** Places: cities and countries first, then everyday venues. */
export const PLACES: readonly string[] = [
  'the park', 'the beach', 'the gym', 'the office', 'the library', 'the lake', 'the mall', 'the museum', 'Paris', 'New York', 'London',
  'the coffee shop', 'the community center', 'the farmers market', 'Tokyo', 'Chicago', 'the mountains', 'the hospital', 'Boston',
  'the school', 'Seattle', 'the studio', 'the church', 'Rome', 'Barcelona', 'the campsite', 'Denver', 'the zoo', 'the stadium',
  'San Francisco', 'the bookstore', 'the garden center', 'Lisbon', 'Berlin', 'the shelter', 'Miami', 'the art gallery', 'the pool',
  'Austin', 'the theater', 'the bakery', 'Amsterdam', 'the trail', 'Vancouver', 'the concert hall', 'the airport', 'Sydney',
  'the river', 'the cabin', 'Mexico City', 'the pier', 'Portland', 'the youth center', 'Dublin', 'the vineyard', 'Nashville',
  'the animal sanctuary', 'Prague', 'the climbing gym', 'Montreal', 'the food bank', 'Kyoto', 'the skate park', 'Vienna',
  'the pottery studio', 'Istanbul', 'the national park', 'Cape Town', 'the dance school', 'Seoul', 'the observatory', 'Edinburgh',
  'the county fair', 'Reykjavik', 'the rec center', 'Marrakesh', 'the harbor', 'Buenos Aires', 'the botanical garden', 'Hanoi',
  'the ice rink', 'Athens', 'the bowling alley', 'Oslo', 'the aquarium', 'Lima', 'the music festival', 'Nairobi', 'the flea market',
  'Copenhagen', 'the hiking club', 'Budapest', 'the makerspace', 'Bangkok', 'the riverside', 'Quebec', 'the old town', 'Santorini',
];

/** Activities, as gerund phrases. */
export const ACTIVITIES: readonly string[] = [
  'painting', 'hiking', 'running', 'cooking', 'reading', 'swimming', 'camping', 'volunteering', 'dancing', 'playing guitar',
  'gardening', 'baking', 'writing', 'cycling', 'yoga', 'photography', 'fishing', 'skiing', 'knitting', 'surfing', 'climbing',
  'playing piano', 'pottery', 'singing', 'meditating', 'woodworking', 'kayaking', 'drawing', 'skateboarding', 'birdwatching',
  'playing chess', 'journaling', 'sculpting', 'snowboarding', 'sailing', 'horse riding', 'playing tennis', 'coding', 'calligraphy',
  'playing violin', 'crocheting', 'rock climbing', 'scuba diving', 'playing soccer', 'playing basketball', 'boxing', 'archery',
  'stargazing', 'composing music', 'brewing beer', 'martial arts', 'mentoring', 'fostering dogs', 'restoring furniture', 'quilting',
  'playing drums', 'doing puzzles', 'learning Spanish', 'learning French', 'playing video games', 'rowing', 'triathlon training',
  'collecting vinyl', 'making candles', 'beekeeping', 'glassblowing', 'tai chi', 'salsa dancing', 'improv theater', 'watercolor',
];

/** Things people own, make, buy or give. */
export const THINGS: readonly string[] = [
  'a book', 'a painting', 'a new phone', 'a bike', 'a guitar', 'a puppy', 'a cake', 'a camera', 'a necklace', 'a journal', 'a car',
  'a tent', 'a poster', 'a scarf', 'a vase', 'a sketchbook', 'a laptop', 'a plant', 'a bracelet', 'a kayak', 'a telescope', 'a record',
  'a sweater', 'a mug', 'a quilt', 'a photo album', 'a keyboard', 'a cookbook', 'a kitten', 'a backpack', 'a canvas', 'a lamp',
  'a violin', 'a drone', 'a surfboard', 'a watch', 'a board game', 'a sculpture', 'a dress', 'a pair of running shoes', 'a tattoo',
  'a bookshelf', 'a ring', 'a bird feeder', 'a yoga mat', 'a snowboard', 'a microphone', 'a sewing machine', 'a trophy', 'a medal',
  'a letter', 'a postcard', 'a candle', 'a hammock', 'a blender', 'a fishing rod', 'a ukulele', 'a map', 'a tea set', 'a bonsai tree',
  'a rocking chair', 'a pendant', 'a chess set', 'a synthesizer', 'a canoe', 'a terrarium', 'a hand-made card', 'a family recipe',
  'a vintage jacket', 'a mosaic', 'a dollhouse', 'a harmonica', 'a pottery wheel', 'a model train', 'a telescope lens', 'a bird cage',
];

/** Foods and drinks. */
export const FOODS: readonly string[] = [
  'pizza', 'pasta', 'tacos', 'sushi', 'coffee', 'tea', 'chocolate cake', 'ramen', 'pancakes', 'salad', 'curry', 'burgers', 'ice cream',
  'lasagna', 'soup', 'dumplings', 'barbecue', 'smoothies', 'bread', 'cookies', 'pho', 'paella', 'falafel', 'apple pie', 'risotto',
  'banana bread', 'lemonade', 'kimchi', 'empanadas', 'tiramisu', 'chili', 'bagels', 'croissants', 'hummus', 'brownies', 'gnocchi',
];

/** Family and social relations. */
export const RELATIVES: readonly string[] = [
  'mom', 'dad', 'sister', 'brother', 'kids', 'wife', 'husband', 'friend', 'grandma', 'son', 'daughter', 'partner', 'cousin', 'aunt',
  'uncle', 'grandpa', 'neighbor', 'best friend', 'roommate', 'boss', 'coworker', 'coach', 'teacher', 'mentor', 'niece', 'nephew',
];

/** Feelings (adjectives after "feel" / "felt"). */
export const FEELINGS: readonly string[] = [
  'happy', 'excited', 'grateful', 'tired', 'proud', 'nervous', 'relaxed', 'inspired', 'stressed', 'hopeful', 'anxious', 'thankful',
  'motivated', 'overwhelmed', 'calm', 'lonely', 'confident', 'curious', 'nostalgic', 'relieved', 'energized', 'content', 'blessed',
  'frustrated', 'empowered', 'homesick', 'restless', 'optimistic', 'heartbroken', 'peaceful',
];

/** Evaluative adjectives. */
export const ADJECTIVES: readonly string[] = [
  'great', 'amazing', 'awesome', 'beautiful', 'fun', 'cool', 'wonderful', 'nice', 'hard', 'special', 'interesting', 'incredible',
  'lovely', 'fantastic', 'tough', 'busy', 'cozy', 'peaceful', 'crazy', 'meaningful', 'challenging', 'rewarding', 'relaxing', 'gorgeous',
  'exhausting', 'magical', 'inspiring', 'stunning', 'quiet', 'intense', 'colorful', 'delicious', 'hilarious', 'unforgettable', 'wild',
  'refreshing', 'emotional', 'chaotic', 'charming', 'breathtaking',
];

/** Topics of a conversation (abstract nouns). */
export const TOPICS: readonly string[] = [
  'work', 'family', 'health', 'school', 'friends', 'music', 'art', 'travel', 'sports', 'money', 'pets', 'books', 'movies', 'food',
  'career', 'community', 'nature', 'mental health', 'the project', 'the new job', 'the move', 'the wedding', 'the adoption',
  'the fundraiser', 'the marathon', 'the exhibition', 'the band', 'the garden', 'the renovation', 'the trip', 'the interview',
  'the workshop', 'the recital', 'the charity run', 'the book club', 'the support group', 'the camping trip', 'the road trip',
  'self-care', 'the internship', 'the startup', 'the graduation', 'the concert', 'the competition', 'the conference', 'the puppy',
  'the new apartment', 'the volunteer program', 'the art class', 'the cooking class', 'the scholarship', 'the promotion',
];

/** Pets and animals. */
export const ANIMALS: readonly string[] = [
  'dog', 'cat', 'puppy', 'kitten', 'horse', 'rabbit', 'parrot', 'turtle', 'hamster', 'goldfish', 'snake', 'guinea pig', 'lizard',
];

/** Months, in calendar order (index = month - 1). */
export const MONTHS: readonly string[] = [
  'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December',
];

/** Relative time phrases a speaker uses about the recent past or near future. */
export const RELATIVE_TIMES: readonly string[] = [
  'yesterday', 'last week', 'last weekend', 'today', 'this morning', 'a few days ago', 'last month', 'last night', 'recently',
  'two weeks ago', 'next week', 'this weekend', 'last year', 'next month', 'last summer', 'a while ago', 'tomorrow', 'next summer',
  'last Friday', 'on Saturday', 'on Sunday', 'three days ago', 'last spring', 'last winter', 'this year', 'next year',
];

/** Short reactions: whole turns of 1..3 words. Index = words - 1. */
export const SHORT_TURNS: readonly (readonly string[])[] = [
  ['Wow!', 'Thanks!', 'Congrats!', 'Totally!', 'Absolutely!', 'Definitely.', 'Bye!', 'Yes!', 'Sure!', 'Awesome!'],
  ['Thanks so much!', 'That rocks!', 'Love it!', 'Sounds great!', 'Good luck!', 'Take care!', 'Me too!', 'So cool!', 'Same here.', 'Oh wow!'],
  ['That sounds amazing!', 'I love that!', 'See you soon!', 'You got this!', 'Thanks a lot!', 'Glad to hear!', 'So proud, friend!', 'Talk soon, bye!'],
];

/**
 * Function words and other very frequent words the lexical channel and query generators treat as
 * non-content (a query built from "words of a turn" skips them).
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about after again all also am an and any are as at be because been before being both but by can could did do does doing down ' +
    'during each even ever every few for from further had has have having he her here hers him his how i if in into is it its just ' +
    'like me more most my myself no nor not now of off on once only or other our ours out over own really same she should so some ' +
    'such than that the their them then there these they this those through to too under until up very was we were what when where ' +
    'which while who whom why will with would you your yours yourself yeah oh wow hey hi thanks thank got get go going went much lot ' +
    'well one new way time things thing something lately feel felt made make know think sounds sound great good love glad so'
  ).split(' '),
);

/** Everyday nouns (singular), for general statements. */
export const NOUNS: readonly string[] = [
  'day', 'week', 'house', 'job', 'class', 'team', 'trip', 'weekend', 'project', 'idea', 'story', 'game', 'show', 'song', 'movie',
  'picture', 'party', 'meeting', 'plan', 'event', 'garden', 'kitchen', 'room', 'city', 'neighborhood', 'festival', 'course',
  'workshop', 'group', 'club', 'race', 'recipe', 'album', 'novel', 'podcast', 'series', 'exhibit', 'lesson', 'hobby', 'goal',
  'dream', 'challenge', 'decision', 'change', 'habit', 'routine', 'schedule', 'deadline', 'presentation', 'interview', 'client',
  'manager', 'colleague', 'volunteer', 'audience', 'crowd', 'stage', 'performance', 'speech', 'letter', 'message', 'call',
  'appointment', 'doctor', 'therapist', 'counselor', 'workout', 'injury', 'recovery', 'diet', 'sunrise', 'sunset', 'storm',
  'snow', 'rain', 'weather', 'view', 'trail', 'road', 'flight', 'hotel', 'apartment', 'lease', 'landlord', 'budget', 'paycheck',
  'raise', 'degree', 'exam', 'essay', 'thesis', 'scholarship', 'campus', 'dorm', 'semester', 'birthday', 'anniversary', 'holiday',
  'tradition', 'ceremony', 'reunion', 'memory', 'photo', 'journey', 'adventure', 'mistake', 'lesson', 'surprise', 'gift',
  'fundraiser', 'donation', 'charity', 'cause', 'campaign', 'petition', 'protest', 'parade', 'fair', 'market', 'shop', 'store',
  'restaurant', 'cafe', 'menu', 'dish', 'meal', 'dinner', 'lunch', 'breakfast', 'picnic', 'barbecue', 'bonfire', 'road trip',
  'playlist', 'concert', 'band', 'choir', 'orchestra', 'gallery', 'mural', 'canvas', 'portrait', 'landscape', 'sketch', 'poem',
  'blog', 'newsletter', 'video', 'channel', 'audition', 'rehearsal', 'tournament', 'match', 'season', 'coach', 'trophy', 'finish line',
];

/** Past-tense verbs that take an object (a noun phrase). */
export const VERBS_PAST: readonly string[] = [
  'finished', 'started', 'loved', 'found', 'planned', 'joined', 'organized', 'visited', 'watched', 'tried', 'made', 'built',
  'painted', 'wrote', 'read', 'cooked', 'baked', 'fixed', 'decorated', 'shared', 'posted', 'booked', 'bought', 'sold', 'won', 'lost',
  'missed', 'remembered', 'celebrated', 'hosted', 'attended', 'recorded', 'designed', 'cleaned', 'renovated', 'discovered',
  'explored', 'practiced', 'taught', 'learned', 'signed up for', 'applied for', 'prepared', 'rescheduled', 'canceled', 'enjoyed',
  'survived', 'skipped', 'led', 'coached', 'supported', 'photographed', 'framed', 'adopted', 'rescued', 'donated', 'sketched',
];
