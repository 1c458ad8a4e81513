'use strict';
// Switchboard agent helpers (docs/contract.md, "Agent helpers"; README.md beside this file).
const { followPrompt, PromptFollower } = require('./src/follow');
const span = require('./src/span');

module.exports = { followPrompt, PromptFollower, ...span };
